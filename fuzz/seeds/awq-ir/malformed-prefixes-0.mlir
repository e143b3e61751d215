
// Every 211th prefix of the round-trip and canonicalization tests (as text)
// and every 26th prefix of their bytecode is parsed: each either parses or
// fails with a located error, none crashes.

