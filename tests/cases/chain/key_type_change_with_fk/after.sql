CREATE TABLE p (id bigint PRIMARY KEY);
CREATE TABLE c (id integer PRIMARY KEY, p_id bigint REFERENCES p);
