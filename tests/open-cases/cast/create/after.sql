CREATE CAST (text AS integer[]) WITH INOUT;
