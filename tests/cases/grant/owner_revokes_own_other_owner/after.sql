CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY);
ALTER TABLE app.t OWNER TO acc_owner;
REVOKE ALL ON app.t FROM acc_owner;
GRANT SELECT, INSERT ON app.t TO acc_owner;
GRANT SELECT ON app.t TO acc_reader;
