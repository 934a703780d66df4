CREATE TABLE t (id integer PRIMARY KEY, a numeric, b numeric GENERATED ALWAYS AS (a * 2) STORED);
