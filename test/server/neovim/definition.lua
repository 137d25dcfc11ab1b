-- Neovim's built-in LSP client against the kpath server: open net/socket.c of the tree, wait until
-- the server answers the definition of `sendmsg` in `READ_ONCE(sock->ops)->sendmsg`, and write the
-- locations (or what went wrong) as JSON to $KPATH_OUT. Works with Neovim 0.7 (Debian bookworm,
-- vim.lsp.start_client) and later (vim.lsp.start).
local tree = assert(os.getenv('KPATH_TREE'))
local server = assert(os.getenv('KPATH_SERVER'))
local out = assert(os.getenv('KPATH_OUT'))
local cache = os.getenv('KPATH_CACHE')
local timeout_ms = tonumber(os.getenv('KPATH_TIMEOUT_MS') or '600000')

local function finish(tbl)
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(tbl))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(tree .. '/net/socket.c'))
  local buf = vim.api.nvim_get_current_buf()
  local config = {
    name = 'kpath',
    cmd = { 'node', server, '--stdio' },
    root_dir = tree,
    init_options = { include = { 'net' }, cacheDir = cache },
  }
  if vim.lsp.start then
    vim.lsp.start(config)
  else
    local id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, id)
  end

  local anchor = 'READ_ONCE(sock->ops)->sendmsg'
  local line, col
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = l:find(anchor, 1, true)
    if s then line, col = i - 1, s - 1 + #'READ_ONCE(sock->ops)->'; break end
  end
  if not line then return finish({ error = 'anchor not found in net/socket.c' }) end

  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
  local started = vim.loop.now()
  local polls, locations, last_error = 0, nil, nil
  while vim.loop.now() - started < timeout_ms do
    polls = polls + 1
    local res, e = vim.lsp.buf_request_sync(buf, 'textDocument/definition', params, 5000)
    if e then last_error = tostring(e) end
    for _, r in pairs(res or {}) do
      if r.error then last_error = vim.inspect(r.error) end
      if r.result and #r.result > 0 then locations = r.result end
    end
    if locations then break end
    vim.wait(500)
  end
  finish({
    locations = locations or {},
    position = params.position,
    polls = polls,
    waited_ms = vim.loop.now() - started,
    nvim = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) .. '.' .. tostring(vim.version().patch),
    error = (not locations) and (last_error or 'timed out waiting for a non-empty definition') or nil,
  })
end)
if not ok then finish({ error = tostring(err) }) end
