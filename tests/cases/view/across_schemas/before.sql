CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY);
CREATE VIEW public.v AS SELECT id FROM app.t;
