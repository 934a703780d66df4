CREATE TABLE p (tenant integer, id integer, PRIMARY KEY (tenant, id));
CREATE TABLE c (tenant integer NOT NULL, id integer PRIMARY KEY, p_id integer);
