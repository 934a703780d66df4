CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text, b integer);
GRANT SELECT, UPDATE ON app.t TO acc_writer;
GRANT SELECT ON app.t TO acc_reader;
