CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE TABLE t_log (id integer, a text);
CREATE RULE t_keep AS ON DELETE TO t DO ALSO NOTHING;
