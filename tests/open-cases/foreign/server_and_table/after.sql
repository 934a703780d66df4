CREATE EXTENSION postgres_fdw;
CREATE SERVER other FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'localhost', dbname 'other');
CREATE FOREIGN TABLE remote_t (id integer, a text) SERVER other OPTIONS (table_name 't');
