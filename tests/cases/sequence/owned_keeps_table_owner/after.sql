CREATE TABLE t (id serial PRIMARY KEY, a text);
ALTER TABLE t OWNER TO acc_owner;
CREATE SEQUENCE free_counter;
ALTER SEQUENCE free_counter OWNER TO acc_admin;
