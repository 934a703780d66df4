CREATE TABLE p (tenant integer, id integer, PRIMARY KEY (tenant, id));
CREATE TABLE c (tenant integer NOT NULL, id integer PRIMARY KEY, p_id integer, FOREIGN KEY (tenant, p_id) REFERENCES p ON DELETE SET NULL (p_id));
