CREATE TABLE t (id integer PRIMARY KEY);
CREATE PUBLICATION supabase_realtime;
ALTER PUBLICATION supabase_realtime ADD TABLE t;
