/** The lake's tokens the newsroom hands out: one for each role, for seeding, sign-in links, tools and tests. */
import { tokenForRole, type Role, type RunningLake } from '../../lake/server.ts';

/**
 * The lake's token for each role (generated once per data folder, kept in `<data>/tokens.json`); a data folder made
 * before the commenter role has no commenter token, and the newsroom then takes no comments.
 */
export type NewsroomTokens = Readonly<Record<Exclude<Role, 'commenter'>, string> & { commenter?: string }>;

/** The first token of each role in the running lake; a role without one is an error naming the tokens file. */
export function tokensByRole(lake: RunningLake): NewsroomTokens {
  const pick = (role: Role): string => {
    const token = tokenForRole(lake.tokens, role);
    if (token === undefined)
      throw new Error(
        `newsroom: ${lake.tokensFile ?? 'the lake'} has no token with the ${role} role; delete the file to have new tokens generated`,
      );
    return token;
  };
  const commenter = tokenForRole(lake.tokens, 'commenter');
  return {
    administrator: pick('administrator'),
    editor: pick('editor'),
    viewer: pick('viewer'),
    ...(commenter === undefined ? {} : { commenter }),
  };
}
