CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL DEFAULT '', amount numeric(12,2), created_at timestamptz DEFAULT now());
INSERT INTO t VALUES (1), (2);
