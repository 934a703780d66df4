CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE TABLE t_log (id integer, a text);
CREATE RULE t_log_ins AS ON INSERT TO t DO ALSO INSERT INTO t_log (id) VALUES (NEW.id);
