-- Consult's pandoc writer for imports: one JSON object per line for each top-level block of
-- the document, so that Python gets the document's structure without parsing Markdown back.
--
--   {"type": "heading", "level": 1, "text": "…"}
--   {"type": "text", "kind": "Para", "markdown": "…"}        (mode "document": Markdown)
--   {"type": "text", "kind": "Para", "plain": "…"}           (mode "act": plain text, one line
--                                                              per paragraph and list item)
--   {"type": "summary", "images": 3, "dropped": 1}           (last line)
--
-- Images are never put into the text (they are counted, and Python offers them as attachments);
-- line breaks inside a paragraph become spaces (new lines in act mode); raw HTML/LaTeX blocks are
-- dropped (counted).
-- The mode comes from the document's metadata: `--metadata consult-mode=act`.

local images = 0
local dropped = 0

local function without_images(doc, keep_line_breaks)
  return doc:walk {
    Image = function(_)
      images = images + 1
      return {}
    end,
    -- A line break inside a paragraph: a space in a document's text (Markdown would drop it),
    -- a new line in the text of a law (Word users break its paragraphs with Shift+Enter).
    LineBreak = function(element)
      if keep_line_breaks then
        return element
      end
      return pandoc.Space()
    end,
  }
end

-- Divs (custom styles, sections) are containers only: their blocks count as top-level blocks.
local function flatten(blocks, out)
  for _, block in ipairs(blocks) do
    if block.t == "Div" then
      flatten(block.content, out)
    elseif block.t == "Figure" then
      -- The image is gone; keep the caption, if any, as a paragraph.
      local caption = pandoc.utils.stringify(block.caption.long or {})
      if caption ~= "" then
        out[#out + 1] = pandoc.Para({ pandoc.Str(caption) })
      end
    elseif block.t == "RawBlock" or block.t == "HorizontalRule" then
      dropped = dropped + 1
    else
      out[#out + 1] = block
    end
  end
  return out
end

-- A table without a header row gets its first row as header (Markdown tables need one).
local function with_header(block)
  if block.t == "Table" and #block.head.rows == 0 and #block.bodies > 0
      and #block.bodies[1].body > 1 then
    local body = block.bodies[1].body
    local first = body:remove(1)
    block.head.rows = pandoc.List { first }
    block.bodies[1].body = body
  end
  return block
end

local function is_empty(block)
  return (block.t == "Para" or block.t == "Plain") and #block.content == 0
end

function Writer(doc, opts)
  local mode = pandoc.utils.stringify(doc.meta["consult-mode"] or "document")
  -- The Markdown our renderer (Python-Markdown) reads: original Markdown with its four-space
  -- rule for nested lists, pipe tables and list numbers that need not start at 1.
  local format = mode == "act" and "plain" or "markdown_strict+pipe_tables+startnum+four_space_rule"
  local field = mode == "act" and "plain" or "markdown"
  local options = pandoc.WriterOptions { wrap_text = "wrap-none" }
  doc = without_images(doc, mode == "act")
  local out = {}
  -- Word's "Title" paragraph (and a Markdown file's title) arrive as metadata: keep it first.
  if doc.meta.title then
    local title = pandoc.utils.stringify(doc.meta.title)
    if title ~= "" then
      out[#out + 1] = pandoc.json.encode { type = "heading", level = 0, text = title }
    end
  end
  for _, block in ipairs(flatten(doc.blocks, {})) do
    if block.t == "Header" then
      local text = pandoc.utils.stringify(block.content)
      if text ~= "" then
        out[#out + 1] = pandoc.json.encode { type = "heading", level = block.level, text = text }
      end
    elseif not is_empty(block) then
      local written = pandoc.write(pandoc.Pandoc({ with_header(block) }), format, options)
      if written:match("%S") then
        out[#out + 1] = pandoc.json.encode { type = "text", kind = block.t, [field] = written }
      end
    end
  end
  out[#out + 1] = pandoc.json.encode { type = "summary", images = images, dropped = dropped }
  return table.concat(out, "\n") .. "\n"
end
