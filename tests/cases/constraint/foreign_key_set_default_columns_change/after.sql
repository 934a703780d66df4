CREATE SCHEMA app;
CREATE TABLE app.p (tenant integer, id integer, PRIMARY KEY (tenant, id));
CREATE TABLE app.c (tenant integer NOT NULL DEFAULT 0, id integer PRIMARY KEY, p_id integer DEFAULT 0,
  CONSTRAINT c_p FOREIGN KEY (tenant, p_id) REFERENCES app.p ON DELETE SET DEFAULT (p_id));
