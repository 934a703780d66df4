CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, zeta text, alpha integer DEFAULT 0, mid boolean);
CREATE TABLE app.u (id integer PRIMARY KEY, y date, b text);
INSERT INTO app.t VALUES (1);
