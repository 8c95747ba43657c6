/**
 * Reports this page's role on the live connection (presenter or audience). It loads with the
 * status bar, after the first slide: the live client is not part of the first slide's bundle.
 */
import { useEffect } from 'react';
import { useConnectionOf, useMainClient, type Role } from '../live/index.ts';

export function RoleProbe({ onRole }: { onRole: (role: Role | undefined) => void }) {
  const { role } = useConnectionOf(useMainClient());
  useEffect(() => onRole(role), [role, onRole]);
  return null;
}
