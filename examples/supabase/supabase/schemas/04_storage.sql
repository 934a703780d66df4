-- Avatars in Supabase Storage: policies on storage.objects (the table is
-- Supabase's; the policies are ours). The `avatars` bucket itself is a
-- row of storage.buckets: data, created by a migration or seed, not here.
create policy "Avatar images are publicly accessible." on storage.objects
  for select using (bucket_id = 'avatars');

create policy "Anyone can upload an avatar." on storage.objects
  for insert with check (bucket_id = 'avatars');

create policy "Users can update their own avatar." on storage.objects
  for update using ((select auth.uid()) = owner) with check (bucket_id = 'avatars');
