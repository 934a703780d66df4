CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text);
CREATE TABLE audit_log (id integer, a text);
