# Turn bot/scripts/*.lua into the Redis Functions library in OUT,
# "const char script_library[]": the line
# "#!lua name=towerbot" followed by LIB_ORDER concatenated (lib.lua first:
# the shared helpers the other files use).  Run by the build
# (add_custom_command), never by hand.
set(LIB_ORDER lib towerbot tower)
string(REPLACE "|" ";" IN "${IN}")
set(body "/* generated from bot/scripts by cmake/embed_lua.cmake */\n")
string(APPEND body "#include <stddef.h>\n")
foreach(f IN LISTS IN)
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  set(hex_${name} "${hex}")
endforeach()
foreach(name IN LISTS LIB_ORDER)
  if(NOT DEFINED hex_${name})
    message(FATAL_ERROR "embed_lua: bot/scripts/${name}.lua is missing")
  endif()
endforeach()
# "#!lua name=towerbot\n", then each file, each ending in a newline.
string(HEX "#!lua name=towerbot\n" lib)
foreach(name IN LISTS LIB_ORDER)
  string(APPEND lib "${hex_${name}}")
  if(NOT hex_${name} MATCHES "0a$")
    string(APPEND lib "0a")
  endif()
endforeach()
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," lib "${lib}")
string(APPEND body "const char script_library[] = {${lib}0x00};\n")
string(APPEND body "const size_t script_library_len = sizeof(script_library) - 1;\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
