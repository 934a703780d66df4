CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text);
INSERT INTO app.t VALUES (1, 'x'), (2, 'Y');
