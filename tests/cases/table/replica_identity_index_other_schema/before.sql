CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text NOT NULL);
