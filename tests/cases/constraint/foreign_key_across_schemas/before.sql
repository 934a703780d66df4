CREATE SCHEMA a; CREATE SCHEMA b;
CREATE TABLE a.p (id integer PRIMARY KEY);
CREATE TABLE b.c (id integer PRIMARY KEY, p_id integer);
