CREATE SCHEMA app;
CREATE DOMAIN app.code AS text;
CREATE TABLE app.item (code app.code PRIMARY KEY);
INSERT INTO app.item VALUES ('a'), ('B');
