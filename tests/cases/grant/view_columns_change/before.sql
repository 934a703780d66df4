CREATE SCHEMA hr;
CREATE TABLE hr.people (id int PRIMARY KEY, name text, salary numeric);
CREATE VIEW hr.people_v AS SELECT id, name, salary FROM hr.people;
GRANT SELECT (id, name, salary) ON hr.people_v TO acc_reader;
GRANT INSERT (name) ON hr.people_v TO acc_writer;
