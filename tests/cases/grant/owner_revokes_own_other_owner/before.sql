CREATE SCHEMA app;
CREATE TABLE app.t (id integer PRIMARY KEY);
ALTER TABLE app.t OWNER TO acc_owner;
