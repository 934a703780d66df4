CREATE SCHEMA app;
CREATE SCHEMA rep;
CREATE TABLE app.t (id integer NOT NULL, at date NOT NULL, a text);
CREATE INDEX t_at ON app.t (at);
CREATE VIEW rep.v AS SELECT id, at, a FROM app.t;
CREATE VIEW rep.w AS SELECT count(*) AS n FROM rep.v;
