CREATE TABLE parent (id integer, name text);
CREATE TABLE child (extra text) INHERITS (parent);
CREATE VIEW everything AS SELECT id, name FROM parent;
