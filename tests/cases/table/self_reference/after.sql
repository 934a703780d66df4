CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, parent integer REFERENCES app.t);
