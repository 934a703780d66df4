CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
GRANT ALL ON t TO acc_admin;
