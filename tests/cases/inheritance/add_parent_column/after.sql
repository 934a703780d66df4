CREATE TABLE parent (id integer, name text, added integer);
CREATE TABLE child (extra text) INHERITS (parent);
