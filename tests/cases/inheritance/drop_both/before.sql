CREATE TABLE parent (id integer, name text);
CREATE TABLE child (extra text) INHERITS (parent);
CREATE TABLE keep (id integer);
