CREATE TABLE parent (id integer, name text);
CREATE TABLE child (extra text) INHERITS (parent);
ALTER TABLE child NO INHERIT parent;
