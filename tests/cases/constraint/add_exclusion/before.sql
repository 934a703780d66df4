CREATE EXTENSION btree_gist;
CREATE TABLE r (id integer PRIMARY KEY, room integer, during tstzrange);
