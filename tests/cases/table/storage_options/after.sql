CREATE TABLE t (id integer PRIMARY KEY) WITH (fillfactor = 70, autovacuum_enabled = false);
