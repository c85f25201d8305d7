// Package mockserver is an in-memory reference implementation of the
// Microsoft Graph beta Security Copilot API: sessions, prompts, workspaces,
// plugins and evaluations. It is the default
// target of the copilotconf harness and can be run on its own to test
// clients. It uses the standard library only.
//
// # Use
//
//	inst, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: "t"})
//	...
//	base := inst.URL() // "http://127.0.0.1:41234", the service root
//	defer inst.Close() // or inst.Shutdown(ctx), to let requests in flight finish
//
// or mount New(opts) (an http.Handler) anywhere; the service root is then
// "http://" + Host (https when the request came over TLS). Options choose the
// accepted token, the workspaces, the clock, the body limit, a latency added
// to every answer, and faults: named, deliberate non-conformances (Faults
// lists them with the spec IDs of copilotconf each must break), for testing
// how a client copes with a service that gets the API wrong.
//
// # Operations
//
// Under {root}/security/securityCopilot/workspaces/{workspaceId}:
//
//	GET   /sessions                        list, newest first        200
//	POST  /sessions                        create                    201 + Location
//	GET   /sessions/{id}                   get                       200
//	PATCH /sessions/{id}                   update, returns entity    200
//	GET   /sessions/{id}/prompts           list, oldest first        200
//	POST  /sessions/{id}/prompts           create                    201 + Location
//	GET   /sessions/{id}/prompts/{pid}     get                       200
//	GET   /plugins                         list (a small catalogue)  200
//	GET   /sessions/{id}/prompts/{pid}/evaluations        list      200
//	POST  /sessions/{id}/prompts/{pid}/evaluations        create    201 + Location
//	GET   /sessions/{id}/prompts/{pid}/evaluations/{eid}  get       200
//
// and GET {root}/security/securityCopilot/workspaces lists the workspaces.
// An evaluation is "created", then "running" after EvaluationDelays.Running,
// then final after EvaluationDelays.Final more: "completed" with the answer in
// result.content, or, when the prompt's content holds "[fail]", completed with
// result.type "error", or, with "[cancel]", "cancelled".
//
// Literal segments match case-insensitively; keys may also be written in
// OData key syntax (workspaces('default')/sessions('{id}')). Workspace and
// entity ids match case-insensitively. A trailing slash is ignored. Another
// method on these paths is 405 with Allow; any other path is 404; an
// unknown workspace, session, prompt or evaluation (or one under another
// parent) is 404.
//
// # Order of checks
//
// 401 (authentication, before anything else, also for unknown paths),
// 404 (unknown path), 405, 400 (query options), 404 (unknown resource),
// then for POST/PATCH 415 (Content-Type), 413 (size), 400 (JSON, body rules).
//
// # Wire format
//
// OData 4.0 JSON, minimal metadata unless Accept asks for
// odata.metadata=full (adds @odata.type and @odata.id to every entity) or
// none (drops @odata.context). Timestamps are UTC with 7 fractional digits
// and Z. Member order is fixed: @odata.context, @odata.count, value,
// @odata.nextLink; entities as in the documented examples. Context URLs:
//
//	{root}/$metadata#security/securityCopilot/workspaces('{ws}')/sessions[(a,b)][/$entity]
//	{root}/$metadata#security/securityCopilot/workspaces('{ws}')/sessions('{sid}')/prompts[(a,b)][/$entity]
//
// Every response (errors too) carries Content-Type
// application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8
// (with the chosen level), request-id, client-request-id (echoed, else the
// request-id), OData-Version: 4.0 and Date. Header names are written in
// Go's canonical form (Request-Id, Odata-Version); HTTP header names are
// case-insensitive. Errors use the Graph shape
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
//
// # Query options
//
// Names are case-insensitive and the '$' is optional. list sessions:
// $top $count $filter $select $skiptoken $expand=prompts; list prompts:
// $top $count $filter $select $skiptoken; get session: $select $expand;
// get prompt: $select; create/update: none. Another '$' option, an option
// the operation does not take, a repeated option, or orderby/search/skip
// with or without '$' is 400; other parameters are ignored. $top is 1..100
// (default page 20); pages link with @odata.nextLink carrying an opaque
// $skiptoken that is stable under concurrent inserts (a token from another
// list or server instance is 400).
//
// # $filter
//
//	sessions: displayName, id          eq ne startswith(p,'x')   (strings, case-sensitive)
//	          createdDateTime,
//	          lastModifiedDateTime     eq ne gt ge lt le         (unquoted DateTimeOffset)
//	prompts:  content, skillName, id   eq ne startswith(p,'x')
//	          type                     eq ne                     (a promptType member)
//	          createdDateTime,
//	          lastModifiedDateTime     eq ne gt ge lt le
//	any of these: eq null, ne null
//	combine: and (binds tighter), or, not, parentheses (at most 64 deep)
//	literals: 'text' ('' is a quote), 2025-10-22T20:12:13.759634Z, +02:00 offsets
//	          (a '+' that arrived as a space is accepted), null
//
// Keywords, functions and property names are case-insensitive. Anything
// else (unknown property or function, bad literal, garbage) is 400 with a
// message naming the problem and its position.
//
// # Faults
//
// Every response passes through Server.writeJSON; the fault layer in front
// of the server alters a status, header or body member there, or answers a
// request itself, as each switched-on fault describes.
package mockserver
