CREATE SCHEMA app;
CREATE TABLE app.orders (id bigint PRIMARY KEY, total numeric);
CREATE TABLE "Mixed Case" (id integer PRIMARY KEY);
CREATE PUBLICATION "Orders Feed" FOR TABLE app.orders;
