CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, n integer);
CREATE VIEW public.v AS SELECT id, n FROM app.t;
