CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, tags text[] DEFAULT '{}', data jsonb, created_at timestamptz NOT NULL DEFAULT now());
