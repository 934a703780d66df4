CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY, a text, b integer);
GRANT SELECT, INSERT ON app.t TO acc_writer;
GRANT UPDATE (a, b) ON app.t TO acc_writer;
GRANT SELECT (id) ON app.t TO acc_reader;
