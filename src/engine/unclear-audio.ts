/**
 * The Realtime prompting guide's "Unclear audio" rules, with its {preferred_language} placeholder
 * read as the caller's language. Part of Instructions / Rules unless an agent replaces them.
 */
export const UNCLEAR_AUDIO_RULES = [
  '- Always respond in the same language the caller is speaking in, if intelligible.',
  '- Default to English if the input language is unclear.',
  '- Only respond to clear audio or text.',
  "- If the caller's audio is not clear (e.g. ambiguous input, background noise, silence, unintelligible) or if you did not fully hear or understand the caller, ask for clarification in the caller's language.",
  '',
  "Sample clarification phrases (say them in the caller's language):",
  "- \"Sorry, I didn't catch that—could you say it again?\"",
  '- "There\'s some background noise. Please repeat the last part."',
  '- "I only heard part of that. What did you say after ___?"',
].join('\n');
