/**
 * Probability from which the linking model's score proposes a link to an operator. A proposal
 * is only a proposal: an operator confirms or rejects every link.
 */
export const LINK_PROPOSAL_THRESHOLD = 0.5
