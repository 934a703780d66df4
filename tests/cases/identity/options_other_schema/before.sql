CREATE SCHEMA app;
CREATE TABLE app.t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a text);
INSERT INTO app.t (a) VALUES ('x'), ('y'), ('z');
