CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY);
CREATE VIEW app.v AS SELECT id FROM app.t;
CREATE FUNCTION app.f() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM app.t $$;
