import { useQuery } from '@tanstack/react-query';
import { api, ok } from './api.ts';

/** Who is signed in (GET /auth/me); a 401 sends the page to the sign-in form. */
export const meQuery = { queryKey: ['me'], queryFn: () => ok(api.GET('/auth/me')) } as const;
export const useMe = () => useQuery(meQuery);
