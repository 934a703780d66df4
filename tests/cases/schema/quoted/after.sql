CREATE SCHEMA "My App";
CREATE TABLE "My App"."Things" (id integer PRIMARY KEY);
