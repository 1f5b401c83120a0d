-- no-remote-images.lua: fail the build on any image that points to the network.
--
-- Why: with --embed-resources (HTML) or when building DOCX/typst, pandoc would
-- download an http(s) image at build time. That makes the build depend on the
-- network and on a third party's server, so it is never deterministic. Every
-- figure must be a local file produced by a rule.

local function is_remote(src)
  local s = src:lower()
  return s:match('^https?:') ~= nil or s:match('^//') ~= nil or s:match('^ftp:') ~= nil
end

function Image(img)
  if is_remote(img.src) then
    error('remote image not allowed (the build is offline): ' .. img.src)
  end
end
