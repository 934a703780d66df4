-- Every option spelled as its default for smallint: the same as none.
CREATE TABLE t (id smallint GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 32767 CACHE 1 NO CYCLE) PRIMARY KEY, a text);
