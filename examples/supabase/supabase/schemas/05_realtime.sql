-- Realtime sends the changes of the tables in its publication, which
-- Supabase creates in every project.
alter publication supabase_realtime add table public.todos;
