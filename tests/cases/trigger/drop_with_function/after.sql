CREATE TABLE t (id integer PRIMARY KEY, updated_at timestamptz);
