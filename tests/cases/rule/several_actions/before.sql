CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE TABLE t_log (id integer, a text);
