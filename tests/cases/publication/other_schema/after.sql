CREATE SCHEMA app;
CREATE TABLE app.orders (id bigint PRIMARY KEY, total numeric, note text);
CREATE TABLE app.lines (id bigint PRIMARY KEY, order_id bigint REFERENCES app.orders);
CREATE TABLE "Mixed Case" (id integer PRIMARY KEY);
CREATE PUBLICATION "Orders Feed" FOR TABLE app.orders, app.lines, "Mixed Case";
